namespace Micro.Tests.Http;

public sealed class MediaTypeNegotiationTests
{
    [Theory]
    [InlineData(null, "json")]                                              // no Accept: the first offered
    [InlineData("text/html", "html")]
    [InlineData("application/json;q=0.5, text/html", "html")]              // highest q wins
    [InlineData("text/*, application/json;q=0.9", "html")]                  // a range matches
    [InlineData("*/*;q=0.1, application/json", "json")]
    [InlineData("text/html;q=0, */*", "json")]                              // q=0 refuses
    [InlineData("image/png", null)]                                         // nothing acceptable: 406 is the app's to answer
    [InlineData("text/html;level=1;q=0, text/html", "html")]                // parameters make a range more specific (not offered)
    [InlineData("not a media type ,,, ;;", "json")]                         // malformed: ignored, as if absent
    public void The_client_preference_decides(string? accept, string? chosen) =>
        Assert.Equal(chosen, MediaTypeNegotiation.Choose(accept, ["json", "html"]));
}
