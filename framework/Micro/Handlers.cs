namespace Micro;

/// <summary>A callback handler: runs inline on the connection's reactor thread, with no Task and no allocation.</summary>
public delegate void RequestHandler(Request req, Response res);

/// <summary>An async handler: its continuations resume on the connection's reactor; responses stay in request order.</summary>
public delegate Task AsyncRequestHandler(Request req, Response res);

/// <summary>Middleware: may run code before and after <c>next()</c>, answer without calling it, or handle errors around it.</summary>
public delegate ValueTask Middleware(Request req, Response res, Next next);

/// <summary>Handles an exception a handler threw, before the response started.</summary>
public delegate ValueTask ErrorHandler(Exception error, Request req, Response res);
