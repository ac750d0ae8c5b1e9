using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Micro.AspNetCore.Tests;

/// <summary>JWT bearer tokens for the tests: issued by "tests" for "notes", signed with one key the apps under test trust.</summary>
internal static class TestTokens
{
    public static readonly SymmetricSecurityKey Key = new("a test signing key that is long enough for HS256"u8.ToArray());

    /// <summary>What JwtBearer is told to expect: the issuer, the audience, the key, and "name" and "role" claims as such.</summary>
    public static TokenValidationParameters Validation => new()
    {
        ValidIssuer = "tests", ValidAudience = "notes", IssuerSigningKey = Key, RoleClaimType = "role", NameClaimType = "name",
    };

    public static string Token(params Claim[] claims) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "tests",
        Audience = "notes",
        Subject = new ClaimsIdentity(claims),
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(Key, SecurityAlgorithms.HmacSha256),
    });
}
