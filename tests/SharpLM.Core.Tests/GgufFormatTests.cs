using System.Buffers.Binary;
using SharpLM.Core.Formats.Gguf;

namespace SharpLM.Core.Tests;

public class GgufFormatTests
{
    private static KeyValuePair<string, GgufValue> Entry(string key, GgufValue value) => new(key, value);

    [Fact]
    public void Round_trip_keeps_metadata_of_every_type_and_tensor_values()
    {
        using var dir = new TempDirectory();
        string path = dir.File("m.gguf");
        var metadata = new List<KeyValuePair<string, GgufValue>>
        {
            Entry("general.architecture", GgufValue.String("llama")),
            Entry("t.u8", GgufValue.UInt8(250)), Entry("t.i8", GgufValue.Int8(-100)),
            Entry("t.u16", GgufValue.UInt16(65000)), Entry("t.i16", GgufValue.Int16(-30000)),
            Entry("t.u32", GgufValue.UInt32(4_000_000_000)), Entry("t.i32", GgufValue.Int32(-2_000_000_000)),
            Entry("t.f32", GgufValue.Float32(1e-5f)), Entry("t.bool", GgufValue.Bool(true)), Entry("t.false", GgufValue.Bool(false)),
            Entry("t.string", GgufValue.String("ünïcode 🐋")),
            Entry("t.u64", GgufValue.UInt64(ulong.MaxValue)), Entry("t.i64", GgufValue.Int64(long.MinValue)),
            Entry("t.f64", GgufValue.Float64(Math.PI)),
            Entry("t.strings", GgufValue.Array(new[] { "Ġthe", "<|endoftext|>", "a b" })),
            Entry("t.ints", GgufValue.Array(new[] { 1, 3, -5 })),
            Entry("t.bytes", GgufValue.Array(new byte[] { 0, 255 })),
            Entry("t.floats", GgufValue.Array(new[] { 0.5f, -2f })),
            Entry("t.bools", GgufValue.Array(new[] { true, false })),
            Entry("t.u64s", GgufValue.Array(new ulong[] { 1UL << 40 })),
            Entry("t.f64s", GgufValue.Array(new[] { -0.25 })),
            Entry("t.empty", GgufValue.Array(Array.Empty<uint>())),
        };
        var random = new Random(5);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[] exact = Values(15), half = Values(8), quantized = Values(128), brain = Values(6);
        var tensors = new List<GgufTensor>
        {
            GgufTensor.FromFloat32("exact", [3, 5], GgufTensorType.F32, () => exact),
            GgufTensor.FromFloat32("half", [2, 4], GgufTensorType.F16, () => half),
            GgufTensor.FromFloat32("quantized", [2, 64], GgufTensorType.Q8_0, () => quantized),
            GgufTensor.FromFloat32("brain", [6], GgufTensorType.BF16, () => brain),
        };
        GgufWriter.WriteFile(path, metadata, tensors);

        var file = GgufReader.Read(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(32u, file.Alignment);
        Assert.Equal(metadata.Select(e => e.Key), file.Metadata.Select(e => e.Key));
        foreach (var (key, value) in metadata)
        {
            var read = file[key];
            Assert.Equal(value.Describe(), read.Describe());
            if (value.Value is Array array) Assert.Equal(array.Cast<object>(), ((Array)read.Value).Cast<object>());
            else Assert.Equal(value.Value, read.Value);
        }

        Assert.Equal(new long[] { 5, 3 }, file.GetTensor("exact").Dimensions); // ggml order: fastest-varying first
        Assert.Equal(new long[] { 3, 5 }, file.GetTensor("exact").Shape);
        Assert.Equal(exact, file.ReadFloat32("exact"));
        Assert.Equal(half.Select(v => (float)(Half)v), file.ReadFloat32("half"));
        float[] dequantized = file.ReadFloat32("quantized");
        for (int block = 0; block < 4; block++)
        {
            float scale = Enumerable.Range(block * 32, 32).Max(i => Math.Abs(quantized[i])) / 127f;
            for (int i = block * 32; i < block * 32 + 32; i++) Assert.InRange(Math.Abs(dequantized[i] - quantized[i]), 0, scale * 0.5f + 1e-3f);
        }
        Assert.Equal(GgufTensorType.Q8_0, file.GetTensor("quantized").Type);
        Assert.Equal(4 * 34, file.GetTensor("quantized").ByteLength);
        float[] brainRead = file.ReadFloat32("brain");
        for (int i = 0; i < brain.Length; i++) Assert.InRange(Math.Abs(brainRead[i] - brain[i]), 0, Math.Abs(brain[i]) / 128);

        Assert.Equal(0, file.DataStart % 32);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 32));
        Assert.Equal(file.Tensors[^1].FileOffset + file.Tensors[^1].ByteLength, new FileInfo(path).Length);
    }

    [Fact]
    public void A_tiny_file_has_exactly_the_hand_computed_bytes()
    {
        using var dir = new TempDirectory();
        string path = dir.File("tiny.gguf");
        GgufWriter.WriteFile(path, [Entry("a", GgufValue.UInt32(7))],
        [
            GgufTensor.FromFloat32("t", [2], GgufTensorType.F32, () => [1f, 2f]),
            GgufTensor.FromFloat32("u", [3], GgufTensorType.F32, () => [-1f, 0.5f, 4f]),
        ]);

        var expected = new List<byte>();
        void U32(uint v) { var b = new byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); expected.AddRange(b); }
        void U64(ulong v) { var b = new byte[8]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); expected.AddRange(b); }
        void F32(float v) { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); expected.AddRange(b); }
        expected.AddRange([0x47, 0x47, 0x55, 0x46]); // "GGUF"
        U32(3); U64(2); U64(1);                       // version, tensors, metadata entries: 24 bytes
        U64(1); expected.Add((byte)'a'); U32(4); U32(7); // key "a", UINT32, 7: 17 bytes → 41
        U64(1); expected.Add((byte)'t'); U32(1); U64(2); U32(0); U64(0);  // "t": 1 dim of 2, F32, offset 0: 33 bytes → 74
        U64(1); expected.Add((byte)'u'); U32(1); U64(3); U32(0); U64(32); // "u": offset 8 rounded up to 32 → 107
        expected.AddRange(new byte[128 - 107]);       // the data section starts at the next multiple of 32
        F32(1); F32(2); expected.AddRange(new byte[24]); // "t" then padding to data offset 32
        F32(-1); F32(0.5f); F32(4);
        Assert.Equal(172, expected.Count);
        Assert.Equal(expected.ToArray(), File.ReadAllBytes(path));
        Assert.Equal(128, GgufReader.Read(path).DataStart);
    }

    [Fact]
    public void General_alignment_sets_the_padding()
    {
        using var dir = new TempDirectory();
        string path = dir.File("a.gguf");
        GgufWriter.WriteFile(path, [Entry(GgufWriter.AlignmentKey, GgufValue.UInt32(64))],
            [GgufTensor.FromFloat32("x", [3], GgufTensorType.F32, () => [1f, 2f, 3f]), GgufTensor.FromFloat32("y", [1], GgufTensorType.F32, () => [5f])]);
        var file = GgufReader.Read(path);
        Assert.Equal(64u, file.Alignment);
        Assert.Equal(0, file.DataStart % 64);
        Assert.Equal(64, file.GetTensor("y").Offset);
        Assert.Equal(new[] { 5f }, file.ReadFloat32("y"));
        Assert.Throws<ArgumentException>(() => GgufWriter.WriteFile(dir.File("b.gguf"), [Entry(GgufWriter.AlignmentKey, GgufValue.UInt32(12))], []));
    }

    [Fact]
    public void The_writer_refuses_what_ggml_cannot_load()
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.gguf");
        Assert.Contains("multiple of 32", Assert.Throws<ArgumentException>(() =>
            GgufWriter.WriteFile(path, [], [GgufTensor.FromFloat32("q", [2, 48], GgufTensorType.Q8_0, () => new float[96])])).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            GgufWriter.WriteFile(path, [Entry("k", GgufValue.Bool(true)), Entry("k", GgufValue.Bool(false))], [])).Message);
        Assert.Contains("63 bytes", Assert.Throws<ArgumentException>(() =>
            GgufWriter.WriteFile(path, [], [GgufTensor.FromFloat32(new string('n', 64), [1], GgufTensorType.F32, () => [0f])])).Message);
        Assert.False(File.Exists(path));
    }

    private static byte[] SampleFile(TempDirectory dir)
    {
        string path = dir.File("sample.gguf");
        GgufWriter.WriteFile(path, [Entry("general.name", GgufValue.String("tiny")), Entry("v", GgufValue.Array(new[] { "ab", "c" }))],
            [GgufTensor.FromFloat32("w", [2, 32], GgufTensorType.Q8_0, () => Enumerable.Range(0, 64).Select(i => i / 10f).ToArray())]);
        return File.ReadAllBytes(path);
    }

    private static string ErrorFor(TempDirectory dir, byte[] bytes)
    {
        string path = dir.File("corrupt.gguf");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SharpLMException>(() => GgufReader.Read(path));
        Assert.StartsWith($"{path}: not a valid GGUF file: ", error.Message);
        return error.Message;
    }

    [Fact]
    public void Truncated_files_name_the_offset_and_what_was_being_read()
    {
        using var dir = new TempDirectory();
        byte[] bytes = SampleFile(dir);
        Assert.Contains("at byte 0, the header: the file ends before the magic", ErrorFor(dir, bytes[..3]));
        Assert.Contains("at byte 8, the header: the file ends before the tensor count", ErrorFor(dir, bytes[..12]));
        // Header: 24 bytes; "general.name" key = 8 + 12 bytes, type 4, value 8 + 4 → the second entry starts at 60.
        Assert.Contains("metadata key 'v'", ErrorFor(dir, bytes[..90]));
        Assert.Contains("tensor info 0", ErrorFor(dir, bytes[..112]));
        string dataError = ErrorFor(dir, bytes[..^1]);
        Assert.Contains("tensor 'w'", dataError);
        Assert.Contains("truncated?", dataError);
    }

    [Fact]
    public void Corrupt_fields_are_reported_with_their_offset()
    {
        using var dir = new TempDirectory();
        byte[] bytes = SampleFile(dir);

        var badMagic = (byte[])bytes.Clone();
        badMagic[0] = (byte)'X';
        Assert.Contains("not the magic 'GGUF'", ErrorFor(dir, badMagic));

        var oldVersion = (byte[])bytes.Clone();
        oldVersion[4] = 1;
        Assert.Contains("at byte 4, the header: version 1 is not supported", ErrorFor(dir, oldVersion));

        var badType = (byte[])bytes.Clone();
        badType[44] = 13; // value type of "general.name", after 24 + 8 + 12 bytes
        Assert.Contains("at byte 44, metadata key 'general.name': value type 13 is unknown", ErrorFor(dir, badType));

        var hugeString = (byte[])bytes.Clone();
        hugeString[48 + 6] = 1; // the UINT64 length of the "tiny" value becomes 2^48 + 4
        Assert.Contains("at byte 48, metadata key 'general.name': its value claims", ErrorFor(dir, hugeString));

        // Entries end at 104 ("v": 9 + 4 + 4 + 8 + 10 + 9 bytes from 60); the tensor info's name, dims and type take 33 bytes.
        const int offsetField = 104 + 9 + 4 + 16 + 4;
        var misaligned = (byte[])bytes.Clone();
        misaligned[offsetField] = 4;
        Assert.Contains($"at byte {offsetField}, tensor 'w': data offset 4 is not a multiple of the alignment 32", ErrorFor(dir, misaligned));
    }
}
