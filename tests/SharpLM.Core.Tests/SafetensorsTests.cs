using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Core.Tests;

public class SafetensorsTests
{
    [Fact]
    public void Round_trip_preserves_names_shapes_dtypes_values_and_metadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        var matrix = Enumerable.Range(0, 6).Select(i => i * 0.5f - 1f).ToArray();
        var bf16 = new ushort[] { 0x3F80, 0xC000 }; // 1.0, -2.0 in bfloat16
        var ids = new long[] { 7, -3, long.MaxValue };
        SafetensorsWriter.Write(path,
        [
            SafetensorsTensor.FromFloat32("layer.weight", [2, 3], matrix),
            new SafetensorsTensor("gain", SafetensorsDType.BF16, [2], MemoryMarshal.AsBytes(bf16.AsSpan()).ToArray()),
            new SafetensorsTensor("ids", SafetensorsDType.I64, [3], MemoryMarshal.AsBytes(ids.AsSpan()).ToArray()),
            new SafetensorsTensor("scalar", SafetensorsDType.F32, [], BitConverter.GetBytes(3.25f)),
        ], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });

        using var reader = new SafetensorsReader(path);
        Assert.Equal(new[] { "gain", "ids", "layer.weight", "scalar" }, reader.Tensors.Select(t => t.Name).Order());
        Assert.Equal(matrix, reader.ReadFloat32("layer.weight"));
        Assert.Equal(new long[] { 2, 3 }, reader.GetInfo("layer.weight").Shape);
        Assert.Equal(new[] { 1f, -2f }, reader.ReadFloat32("gain"));
        Assert.Equal(ids, MemoryMarshal.Cast<byte, long>(reader.GetBytes("ids")).ToArray());
        Assert.Equal(new[] { 3.25f }, reader.ReadFloat32("scalar"));
        Assert.Empty(reader.GetInfo("scalar").Shape);
        Assert.Equal("ünïcode", reader.Metadata["note"]);
    }

    [Fact]
    public void Writer_pads_the_header_to_8_bytes_and_orders_tensors_by_alignment_then_name()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.safetensors");
        SafetensorsWriter.Write(path,
        [
            new SafetensorsTensor("b_half", SafetensorsDType.F16, [1], new byte[2]),
            new SafetensorsTensor("a_half", SafetensorsDType.F16, [1], new byte[2]),
            new SafetensorsTensor("z_long", SafetensorsDType.I64, [1], new byte[8]),
        ]);
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 12, bytes.Length);
        using var reader = new SafetensorsReader(path);
        Assert.Equal(0, reader.GetInfo("z_long").Begin);
        Assert.Equal(8, reader.GetInfo("a_half").Begin);
        Assert.Equal(10, reader.GetInfo("b_half").Begin);
        Assert.Equal("pt", reader.Metadata["format"]);
    }

    /// <summary>Bytes laid out by hand from the format's description, independent of our writer.</summary>
    [Fact]
    public void Reads_a_file_written_by_hand_from_the_specification()
    {
        string header = """{"weight":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"bias":{"dtype":"F16","shape":[2],"data_offsets":[16,20]},"__metadata__":{"format":"pt"}}""";
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        var file = new List<byte>();
        file.AddRange(BitConverter.GetBytes((ulong)headerBytes.Length)); // u64 little-endian header size
        file.AddRange(headerBytes);
        foreach (float f in new[] { 1f, 2f, 3f, 4f }) file.AddRange(BitConverter.GetBytes(f));
        file.AddRange(new byte[] { 0x00, 0x3C, 0x00, 0xC0 }); // fp16 1.0 and -2.0
        using var dir = new TempDirectory();
        string path = dir.File("hand.safetensors");
        File.WriteAllBytes(path, file.ToArray());

        using var reader = new SafetensorsReader(path);
        Assert.Equal(new[] { 1f, 2f, 3f, 4f }, reader.ReadFloat32("weight"));
        Assert.Equal(new[] { 1f, -2f }, reader.ReadFloat32("bias"));
        Assert.Equal(SafetensorsDType.F16, reader.GetInfo("bias").DType);
    }

    [Fact]
    public void A_truncated_file_fails_with_its_path_and_the_tensor_that_is_cut()
    {
        using var dir = new TempDirectory();
        string path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, [SafetensorsTensor.FromFloat32("w", [4], new float[4])]);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);
        var error = Assert.Throws<SharpLMException>(() => new SafetensorsReader(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'w'", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "too short")]
    [InlineData(new byte[] { 255, 255, 255, 255, 0, 0, 0, 0, 0 }, "header length")]
    public void Garbage_files_fail_with_a_clear_message(byte[] content, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("g.safetensors");
        File.WriteAllBytes(path, content);
        var error = Assert.Throws<SharpLMException>(() => new SafetensorsReader(path));
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_header_whose_shape_disagrees_with_its_byte_range_is_rejected()
    {
        string header = """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""";
        byte[] h = Encoding.UTF8.GetBytes(header);
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[8]]);
        var error = Assert.Throws<SharpLMException>(() => new SafetensorsReader(path));
        Assert.Contains("needs 12", error.Message);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        var error = Assert.Throws<SharpLMException>(() => new SafetensorsReader("/nonexistent/x.safetensors"));
        Assert.Equal("/nonexistent/x.safetensors: safetensors file not found.", error.Message);
    }
}
