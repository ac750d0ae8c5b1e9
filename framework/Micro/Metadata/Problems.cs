namespace Micro.Metadata;

/// <summary>The problems a route's metadata answers with (RFC 9457, as <c>res.Problem</c> writes them).</summary>
internal static class Problems
{
    public static void Answer(Response res, int status, string title, string detail) => res.Problem(status, title, detail);

    public static void AnswerValidation(Response res, IReadOnlyDictionary<string, List<string>> errors) =>
        res.Problem(400, "One or more validation errors occurred.", null, new Dictionary<string, object?> { ["errors"] = errors });
}
