using Microsoft.AspNetCore.Http;

namespace Micro.Files;

/// <summary>
/// A directory served by <see cref="Router.Static"/>, and the rules for what under it may be served:
/// <list type="bullet">
/// <item>NUL and backslashes are refused (400): on Linux a backslash is no separator, but no real file needs one and
/// every traversal attempt written for Windows does.</item>
/// <item>A segment starting with a dot is not served (404), as Express's serve-static does by default: <c>.env</c>,
/// <c>.git/</c>, <c>.htpasswd</c>, and <c>..</c> in any encoding, since the path is matched after decoding.</item>
/// <item>Symbolic links are followed while what they lead to lies inside the directory: the file actually opened is
/// checked by the path the kernel resolved for it (<c>/proc/self/fd</c>), so no chain of links, <c>..</c> inside a
/// link, or swap between check and send leads outside it (404).</item>
/// </list>
/// </summary>
internal sealed class StaticRoot
{
    private readonly string _root;
    private readonly string _realRootWithSeparator;

    public StaticRoot(string directory)
    {
        _root = Path.GetFullPath(directory);
        if (!Directory.Exists(_root))
        {
            throw new DirectoryNotFoundException($"Static directory '{_root}' does not exist.");
        }
        var real = RealPath(_root);
        _realRootWithSeparator = real.EndsWith('/') ? real : real + "/";
    }

    /// <summary>
    /// The file to send for <paramref name="relative"/> (decoded, from the route), before the containment check on the
    /// opened file; <paramref name="asDirectory"/> when the request's path ended in '/' (the route's capture does not).
    /// </summary>
    public string Resolve(string relative, bool asDirectory)
    {
        if (relative.Contains('\0'))
        {
            throw new BadHttpRequestException("A path may not hold NUL.", 400);
        }
        if (relative.Contains('\\'))
        {
            throw new BadHttpRequestException("A path may not hold a backslash.", 400);
        }
        foreach (var segment in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment[0] == '.')
            {
                throw FileResponses.NotFound(); // dotfiles and dot-directories, '.' and '..'
            }
        }
        var full = Path.GetFullPath(Path.Combine(_root, relative.TrimStart('/')));
        if (full != _root && !full.StartsWith(_root + "/", StringComparison.Ordinal))
        {
            throw FileResponses.NotFound();
        }
        if (Directory.Exists(full))
        {
            return Path.Combine(full, "index.html");
        }
        if (asDirectory || relative.EndsWith('/'))
        {
            throw FileResponses.NotFound(); // "app.js/" asks for a directory (as nginx and serve-static answer): one URL per file
        }
        return full;
    }

    /// <summary>True when the opened file's real path (as the kernel resolved it, links and all) lies inside the root.</summary>
    public bool Contains(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        var real = new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        return real is not null && real.StartsWith(_realRootWithSeparator, StringComparison.Ordinal);
    }

    /// <summary>The root with every symbolic link along it resolved (the operator's configuration, resolved once).</summary>
    private static string RealPath(string path)
    {
        var real = "/";
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(real, segment);
            var target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            real = target is null ? next : RealPath(target.FullName);
        }
        return real;
    }
}
