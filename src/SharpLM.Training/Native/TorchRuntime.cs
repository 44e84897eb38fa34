using System.Runtime.InteropServices;
using System.Security.Cryptography;
using SharpLM.Core.IO;
using TorchSharp;

namespace SharpLM.Training.Native;

/// <summary>
/// Makes TorchSharp's native library load on the Linux systems SharpLM supports, and turns a failure into
/// one sentence: call <see cref="EnsureLoaded"/> before TorchSharp's first use.
///
/// Why: TorchSharp 0.107's libLibTorchSharp.so was linked against GCC 13+'s libstdc++ and so requires the
/// symbol version GLIBCXX_3.4.32, which Debian 12 and Ubuntu 22.04 (GLIBCXX_3.4.30) lack. The only symbol
/// behind that version is std::ios_base_library_init(), a marker the linker adds so that &lt;iostream&gt;'s
/// initialiser is linked; it is never called through the library. Where the system's libstdc++ lacks it, we
/// copy the library into the user cache, mark that one requirement weak (the loader then accepts its
/// absence), load the copy and point TorchSharp's P/Invokes at it. Where libstdc++ is new enough, nothing
/// is touched.
/// </summary>
public static class TorchRuntime
{
    private const string LibraryFile = "libLibTorchSharp.so";
    private const string MarkerVersion = "GLIBCXX_3.4.32";
    private const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    private static readonly object LoadGate = new();
    private static bool _loaded;
    private static IntPtr _patchedHandle;
    private static TorchUnavailableException? _failure;

    /// <summary>How libtorch was loaded: "system libstdc++ is new enough" or the path of the patched copy.</summary>
    public static string LoadMode { get; private set; } = "not loaded";

    /// <summary>The one-line notice printed when a patched copy is used; null otherwise.</summary>
    public static string? Notice { get; private set; }

    /// <summary>
    /// Loads libtorch, patching TorchSharp's native library first where this system needs it, and proves it works
    /// with a tiny operation. Must run before TorchSharp's first use in the process: SharpLM's torch-using types
    /// call it from their static constructors, and applications call it at start-up.
    /// </summary>
    public static void EnsureLoaded()
    {
        lock (LoadGate)
        {
            if (_loaded) return;
            if (_failure is not null) throw _failure;
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    _patchedHandle = PrepareLinux();
                    if (_patchedHandle != IntPtr.Zero)
                    {
                        // The copy is loaded under the soname libLibTorchSharp.so, which TorchSharp's own loader then
                        // finds; the resolver additionally routes TorchSharp's P/Invokes to it.
                        NativeLibrary.SetDllImportResolver(typeof(torch).Assembly, (name, _, _) =>
                            name == "LibTorchSharp" || name == LibraryFile ? _patchedHandle : IntPtr.Zero);
                    }
                }
                using var probe = torch.ones(1);
            }
            catch (TorchUnavailableException e)
            {
                _failure = e;
                throw;
            }
            catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or InvalidOperationException)
            {
                _failure = new TorchUnavailableException($"libtorch could not be loaded: {FirstLine(Innermost(e).Message)}", e);
                throw _failure;
            }
            if (LoadMode == "not loaded") LoadMode = "original library";
            _loaded = true;
        }
    }

    /// <summary>Returns the handle of a patched copy, or zero when the original library can be used as it is.</summary>
    private static IntPtr PrepareLinux()
    {
        string? original = FindOriginalLibrary();
        if (original is null)
            throw new TorchUnavailableException(
                $"libtorch could not be loaded: {LibraryFile} was not found beside the application or in the NuGet cache; reference the packages TorchSharp and libtorch-cpu-linux-x64.");

        byte[] image = File.ReadAllBytes(original);
        bool requiresMarker = ElfVersionNeedPatcher.ListRequirements(image)
            .Any(r => r.File.StartsWith("libstdc++", StringComparison.Ordinal) && r.Version == MarkerVersion && !r.Weak);
        if (!requiresMarker || SystemLibstdcxxHasMarker())
        {
            LoadMode = "original library (system libstdc++ is new enough)";
            return IntPtr.Zero;
        }

        string patched = WritePatchedCopy(original, image);
        PreloadDependencies(Path.GetDirectoryName(original)!);
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException e)
        {
            throw new TorchUnavailableException($"libtorch could not be loaded: {FirstLine(e.Message)}", e);
        }
        LoadMode = $"patched copy {patched}";
        Notice = $"sharplm: this system's libstdc++ lacks {MarkerVersion} (a link-time marker TorchSharp's native library never calls); using a copy with that requirement marked weak: {patched}";
        Console.Error.WriteLine(Notice);
        return handle;
    }

    /// <summary>Asks the libstdc++ this process uses whether it defines the marker symbol at that version.</summary>
    private static bool SystemLibstdcxxHasMarker()
    {
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out IntPtr handle)) return false;
        return dlvsym(handle, MarkerSymbol, MarkerVersion) != IntPtr.Zero;
    }

    [DllImport("libc.so.6", CharSet = CharSet.Ansi)]
    private static extern IntPtr dlvsym(IntPtr handle, string symbol, string version);

    private static string WritePatchedCopy(string original, byte[] image)
    {
        string hash = Convert.ToHexString(SHA256.HashData(image))[..16].ToLowerInvariant();
        string directory = UserPaths.CacheDirectory(Path.Combine("native", hash));
        string patched = Path.Combine(directory, LibraryFile);
        if (File.Exists(patched)) return patched;
        var copy = (byte[])image.Clone();
        if (ElfVersionNeedPatcher.MarkWeak(copy, MarkerVersion) == 0)
            throw new TorchUnavailableException($"libtorch could not be loaded: {original} requires {MarkerVersion} but the requirement could not be located for patching.");
        AtomicFile.WriteAllBytes(patched, copy);
        return patched;
    }

    /// <summary>
    /// The patched copy lives outside the package folder, so its $ORIGIN run path no longer reaches libtorch.
    /// Loading libtorch by full path first lets the dynamic loader satisfy the copy's dependencies by soname.
    /// </summary>
    private static void PreloadDependencies(string originalDirectory)
    {
        foreach (string name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" })
        {
            string? path = new[] { originalDirectory }.Concat(LibtorchPackageDirectories())
                .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
            if (path is null)
                throw new TorchUnavailableException($"libtorch could not be loaded: {name} was not found beside {LibraryFile}; reference the package libtorch-cpu-linux-x64.");
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw new TorchUnavailableException($"libtorch could not be loaded: {FirstLine(e.Message)}", e);
            }
        }
    }

    private static string? FindOriginalLibrary()
    {
        var directories = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searchPath)
            directories.AddRange(searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        directories.Add(AppContext.BaseDirectory);
        directories.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"));
        directories.AddRange(PackageDirectories("torchsharp"));
        return directories.Select(d => Path.Combine(d, LibraryFile)).FirstOrDefault(File.Exists);
    }

    private static IEnumerable<string> LibtorchPackageDirectories() => PackageDirectories("libtorch-cpu-linux-x64");

    private static IEnumerable<string> PackageDirectories(string packageId)
    {
        string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string packageRoot = Path.Combine(root, packageId);
        if (!Directory.Exists(packageRoot)) return [];
        return Directory.GetDirectories(packageRoot)
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "runtimes", "linux-x64", "native"));
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    private static string FirstLine(string message)
    {
        string line = message.Split('\n', 2)[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }
}
