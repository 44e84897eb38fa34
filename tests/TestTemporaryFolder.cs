using System.Runtime.CompilerServices;

namespace SharpLM.Tests;

/// <summary>
/// Points TMPDIR at a folder of this test process's own before any test runs, and deletes it when the process exits.
/// Tests make model folders, run folders, servers' data and databases with Path.GetTempPath (directly or through the
/// CLI processes they start, which inherit the variable); without this every run of the suite would leave thousands of
/// folders behind in /tmp.
/// </summary>
internal static class TestTemporaryFolder
{
#pragma warning disable CA2255 // A module initializer is the one hook that runs before any test of the assembly, which is the point here.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        string root = Directory.CreateTempSubdirectory("sharplm-tests-").FullName;
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A child process still writing (a browser, a server being stopped) keeps what it holds; the rest is gone.
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
    }
}
