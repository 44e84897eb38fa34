namespace SharpLM.Core.IO;

/// <summary>Per-user locations SharpLM writes outside a run folder (download and native-library caches).</summary>
public static class UserPaths
{
    /// <summary>$SHARPLM_CACHE, else $XDG_CACHE_HOME/sharplm, else ~/.cache/sharplm.</summary>
    public static string CacheRoot
    {
        get
        {
            string? explicitRoot = Environment.GetEnvironmentVariable("SHARPLM_CACHE");
            if (!string.IsNullOrEmpty(explicitRoot)) return explicitRoot;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string baseDir = !string.IsNullOrEmpty(xdg)
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "sharplm");
        }
    }

    public static string CacheDirectory(string name)
    {
        string path = Path.Combine(CacheRoot, name);
        Directory.CreateDirectory(path);
        return path;
    }
}
