using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SharpLM.Core.Reports;
using SharpLM.Core.Runs;

namespace SharpLM.Core.Tests;

public class LossCurveTests
{
    /// <summary>Parses the PNG independently: chunk CRCs (zlib's CRC-32 via System.IO.Hashing is not referenced, so recomputed here bitwise), header and pixel data size.</summary>
    private static (int Width, int Height, byte[] Scanlines) ReadPng(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int position = 8, width = 0, height = 0;
        using var idat = new MemoryStream();
        while (position < bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            string type = Encoding.ASCII.GetString(bytes, position + 4, 4);
            byte[] data = bytes[(position + 8)..(position + 8 + length)];
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 8 + length));
            Assert.Equal(BitwiseCrc(bytes[(position + 4)..(position + 8 + length)]), crc);
            if (type == "IHDR") (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4)));
            if (type == "IDAT") idat.Write(data);
            position += 12 + length;
        }
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress)) zlib.CopyTo(inflated);
        return (width, height, inflated.ToArray());
    }

    private static uint BitwiseCrc(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Draws_train_and_validation_loss_from_metrics_into_a_valid_png()
    {
        using var dir = new TempDirectory();
        using (var metrics = new MetricsWriter(dir.File("metrics.jsonl")))
        {
            for (int step = 1; step <= 200; step++)
                metrics.Write("train_step", new Dictionary<string, object?> { ["step"] = step, ["loss"] = 8.0 / Math.Sqrt(step), ["val_loss"] = step % 50 == 0 ? 8.5 / Math.Sqrt(step) : null });
        }
        Assert.True(LossCurve.Write(dir.File("metrics.jsonl"), dir.File("loss.png")));
        var (width, height, scanlines) = ReadPng(dir.File("loss.png"));
        Assert.Equal((960, 540), (width, height));
        Assert.Equal(height * (1 + width * 3), scanlines.Length);
        // The training series' colour (70, 130, 180) and the validation colour (220, 90, 40) both appear.
        bool HasColour(byte r, byte g, byte b)
        {
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int i = y * (1 + width * 3) + 1 + x * 3;
                    if (scanlines[i] == r && scanlines[i + 1] == g && scanlines[i + 2] == b) return true;
                }
            return false;
        }
        Assert.True(HasColour(70, 130, 180));
        Assert.True(HasColour(220, 90, 40));
    }

    [Fact]
    public void Metrics_without_training_steps_draw_nothing()
    {
        using var dir = new TempDirectory();
        using (var metrics = new MetricsWriter(dir.File("metrics.jsonl"))) metrics.Write("stage", new Dictionary<string, object?> { ["stage"] = "x" });
        Assert.False(LossCurve.Write(dir.File("metrics.jsonl"), dir.File("loss.png")));
        Assert.False(File.Exists(dir.File("loss.png")));
    }
}
