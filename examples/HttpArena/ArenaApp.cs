using HttpArena.Data;
using HttpArena.Routes;
using Micro;
using Micro.Compression;

namespace HttpArena;

/// <summary>The entry's routes and settings on a <see cref="MicroApp"/>: what Program.cs serves and the tests run on port 0.</summary>
public static class ArenaApp
{
    public static MicroApp Map(MicroApp app, ArenaSettings settings, Dataset dataset, ArenaDatabase database)
    {
        // The upload profile's bodies (up to 20 MB) are read as they arrive, not buffered whole: the framework's streaming.
        app.ServerOptions.StreamRequestBody = UploadRoutes.StreamsBody;
        app.UseCompression(); // gzip or Brotli when asked for (json-comp), and the static files' .br and .gz siblings
        BaselineRoutes.Map(app);
        JsonRoutes.Map(app, dataset);
        UploadRoutes.Map(app);
        DatabaseRoutes.Map(app, database);
        CrudRoutes.Map(app, database);
        EchoRoutes.Map(app);
        app.Static("/static", settings.StaticDirectory); // from disk at every request
        return app;
    }
}
