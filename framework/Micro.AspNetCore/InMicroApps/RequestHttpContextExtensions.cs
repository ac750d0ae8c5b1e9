namespace Micro.AspNetCore;

/// <summary>ASP.NET Core's view of a Micro request.</summary>
public static class RequestHttpContextExtensions
{
    extension(Request request)
    {
        /// <summary>
        /// The request as an ASP.NET Core <see cref="Microsoft.AspNetCore.Http.HttpContext"/>, for code written against
        /// it (<c>req.HttpContext.SignInAsync(...)</c>, a library that takes an HttpContext). Made when first asked for,
        /// and kept with the pooled request object: a route that never asks pays nothing. It reads this request and
        /// writes this response: its User is <c>req.User</c>, its Items <c>req.Items</c>, its headers <c>res</c>'s.
        /// </summary>
        public HttpContext HttpContext => MicroRequestContext.For(request, request.Response).HttpContext;
    }
}
