using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SharpLM.Core.Tests;

/// <summary>
/// An independent PNG reader for chart tests: checks the signature and every chunk's CRC (computed bitwise, not
/// with the writer's table), reads IHDR, inflates IDAT and undoes the per-row filters, so tests can look at pixels.
/// </summary>
public sealed class DecodedPng
{
    private readonly byte[] _rgb;

    private DecodedPng(int width, int height, byte[] rgb) => (Width, Height, _rgb) = (width, height, rgb);

    public int Width { get; }
    public int Height { get; }

    public (byte R, byte G, byte B) this[int x, int y] => (_rgb[(y * Width + x) * 3], _rgb[(y * Width + x) * 3 + 1], _rgb[(y * Width + x) * 3 + 2]);

    public static DecodedPng Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        int position = 8, width = 0, height = 0;
        bool ended = false;
        using var idat = new MemoryStream();
        while (position < bytes.Length)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            string type = Encoding.ASCII.GetString(bytes, position + 4, 4);
            byte[] data = bytes[(position + 8)..(position + 8 + length)];
            Assert.Equal(BitwiseCrc(bytes[(position + 4)..(position + 8 + length)]), BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 8 + length)));
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4)));
                Assert.Equal(8, data[8]);
                Assert.Equal(2, data[9]);
            }
            if (type == "IDAT") idat.Write(data);
            if (type == "IEND") ended = true;
            position += 12 + length;
        }
        Assert.True(ended);
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(new MemoryStream(idat.ToArray()), CompressionMode.Decompress)) zlib.CopyTo(inflated);
        byte[] raw = inflated.ToArray();
        int stride = width * 3;
        Assert.Equal(height * (1 + stride), raw.Length);
        var rgb = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte filter = raw[y * (1 + stride)];
            for (int i = 0; i < stride; i++)
            {
                int value = raw[y * (1 + stride) + 1 + i];
                int left = i >= 3 ? rgb[y * stride + i - 3] : 0, up = y > 0 ? rgb[(y - 1) * stride + i] : 0;
                int upLeft = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
                value += filter switch
                {
                    0 => 0,
                    1 => left,
                    2 => up,
                    3 => (left + up) / 2,
                    4 => Paeth(left, up, upLeft),
                    _ => throw new InvalidDataException($"Unknown PNG filter {filter}."),
                };
                rgb[y * stride + i] = (byte)value;
            }
        }
        return new DecodedPng(width, height, rgb);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
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
}
