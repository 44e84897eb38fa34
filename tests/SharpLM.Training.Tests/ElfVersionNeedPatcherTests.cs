using SharpLM.Training.Native;

namespace SharpLM.Training.Tests;

public class ElfVersionNeedPatcherTests
{
    private static string NativeLibrary()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"{path} should be copied to the test output by the TorchSharp package");
        return path;
    }

    [Fact]
    public void Lists_the_glibcxx_marker_requirement_and_marks_only_it_weak()
    {
        byte[] image = File.ReadAllBytes(NativeLibrary());
        var before = ElfVersionNeedPatcher.ListRequirements(image);
        Assert.Contains(before, r => r.File == "libstdc++.so.6" && r.Version == "GLIBCXX_3.4.32" && !r.Weak);
        Assert.Contains(before, r => r.File == "libc.so.6" && r.Version == "GLIBC_2.2.5");

        Assert.Equal(1, ElfVersionNeedPatcher.MarkWeak(image, "GLIBCXX_3.4.32"));
        var after = ElfVersionNeedPatcher.ListRequirements(image);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++)
        {
            bool isMarker = before[i].Version == "GLIBCXX_3.4.32";
            Assert.Equal(isMarker || before[i].Weak, after[i].Weak);
        }
        Assert.Equal(0, ElfVersionNeedPatcher.MarkWeak(image, "GLIBCXX_3.4.32")); // already weak: idempotent
    }

    [Fact]
    public void Rejects_files_that_are_not_elf()
    {
        Assert.Throws<InvalidDataException>(() => ElfVersionNeedPatcher.ListRequirements(new byte[128]));
    }
}
