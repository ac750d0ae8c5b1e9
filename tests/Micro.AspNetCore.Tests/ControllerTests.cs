using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Mvc;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// MVC controllers (AddControllers, [ApiController]) as an app written before minimal APIs has them: model binding from
/// JSON with its automatic 400, file uploads buffered by the form reader, a body read twice after EnableBuffering, and
/// [RequestSizeLimit], giving the same answers on every server.
/// </summary>
public sealed class ControllerTests
{
    [Theory]
    [OnEveryServer]
    public async Task Json_binding_and_its_validation_problem(ServerKind server)
    {
        await using var app = await Served(server);
        var created = await app.Client.PostAsJsonAsync("/orders", new { item = "book", quantity = 3 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/orders/book", created.Headers.Location!.OriginalString);
        Assert.Equal("{\"item\":\"book\",\"quantity\":3}", await created.Content.ReadAsStringAsync());

        var invalid = await app.Client.PostAsJsonAsync("/orders", new { quantity = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType!.MediaType);
        var problem = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("\"Item\":[", problem);
        Assert.Contains("\"Quantity\":[", problem);

        var malformed = await app.Client.PostAsync("/orders", new StringContent("{\"item\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Theory]
    [OnEveryServer]
    public async Task A_large_file_upload_is_buffered_by_the_form_reader_and_arrives_whole(ServerKind server)
    {
        await using var app = await Served(server);
        var file = new byte[3_000_000];
        new Random(11).NextBytes(file);
        using var form = new MultipartFormDataContent
        {
            { new StringContent("holiday"), "album" },
            { new ByteArrayContent(file), "photo", "beach.jpg" },
        };
        var answer = await app.Client.PostAsync("/uploads", form);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal($"holiday/beach.jpg/{file.Length}/{Convert.ToHexString(SHA256.HashData(file))}", await answer.Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task A_buffered_body_is_read_twice_and_the_size_limit_holds(ServerKind server)
    {
        await using var app = await Served(server);
        var text = string.Concat(Enumerable.Repeat("read me twice ", 10_000));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/twice") { Content = new StringContent(text) };
        chunked.Headers.TransferEncodingChunked = true;
        Assert.Equal($"{text.Length}/{text.Length}/True", await (await app.Client.SendAsync(chunked)).Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, (await app.Client.PostAsync("/small", new ByteArrayContent(new byte[1000]))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/small", new ByteArrayContent(new byte[1001]))).StatusCode);
    }

    private static Task<ServedApp> Served(ServerKind server) => ServedApp.StartAsync(server, web => web.MapControllers(),
        configure: builder => builder.Services.AddControllers().AddApplicationPart(typeof(ControllerTests).Assembly));

    public sealed record Order([Required] string? Item, [Range(1, 100)] int Quantity);
}

[ApiController]
[Route("/")]
public sealed class OrdersController : ControllerBase
{
    [HttpPost("orders")]
    public IActionResult Create(ControllerTests.Order order) => Created($"/orders/{order.Item}", order);

    [HttpPost("uploads")]
    public async Task<string> Upload([FromForm] string album, IFormFile photo)
    {
        await using var stream = photo.OpenReadStream();
        return $"{album}/{photo.FileName}/{photo.Length}/{Convert.ToHexString(await SHA256.HashDataAsync(stream))}";
    }

    [HttpPost("twice")]
    public async Task<string> ReadTwice()
    {
        Request.EnableBuffering();
        var first = await new StreamReader(Request.Body, leaveOpen: true).ReadToEndAsync();
        Request.Body.Position = 0;
        var second = await new StreamReader(Request.Body, leaveOpen: true).ReadToEndAsync();
        return $"{first.Length}/{second.Length}/{first == second}";
    }

    [HttpPost("small")]
    [RequestSizeLimit(1000)]
    public async Task<int> Small()
    {
        var buffer = new MemoryStream();
        await Request.Body.CopyToAsync(buffer);
        return (int)buffer.Length;
    }
}
