using System.Buffers.Binary;
using System.Text;

namespace SharpLM.Training.Native;

/// <summary>
/// Edits the symbol-version requirements (ELF section .gnu.version_r) of a 64-bit little-endian shared
/// library. Marking a requirement weak (VER_FLG_WEAK) tells the dynamic loader to accept a library that
/// lacks that version instead of refusing to load. Written by hand because no .NET package edits ELF
/// files, and the edit is a two-byte change in one table.
/// </summary>
public static class ElfVersionNeedPatcher
{
    private const ushort VerFlagWeak = 0x2;
    private static ReadOnlySpan<byte> ElfMagic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];
    private const uint SectionTypeVersionNeed = 0x6ffffffe; // SHT_GNU_verneed

    /// <summary>The version names a library requires from each dependency, with their weak flag.</summary>
    public static IReadOnlyList<(string File, string Version, bool Weak)> ListRequirements(byte[] image)
    {
        var result = new List<(string, string, bool)>();
        Walk(image, (file, version, flagsOffset) =>
            result.Add((file, version, (BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(flagsOffset)) & VerFlagWeak) != 0)));
        return result;
    }

    /// <summary>Marks the named version requirement weak. Returns how many entries were changed.</summary>
    public static int MarkWeak(byte[] image, string versionName)
    {
        int changed = 0;
        Walk(image, (_, version, flagsOffset) =>
        {
            if (version != versionName) return;
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(image.AsSpan(flagsOffset));
            if ((flags & VerFlagWeak) != 0) return;
            BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(flagsOffset), (ushort)(flags | VerFlagWeak));
            changed++;
        });
        return changed;
    }

    private static void Walk(byte[] image, Action<string, string, int> visit)
    {
        var span = image.AsSpan();
        if (span.Length < 64 || !span[..4].SequenceEqual(ElfMagic))
            throw new InvalidDataException("Not an ELF file.");
        if (span[4] != 2 || span[5] != 1) throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        long sectionHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        int sectionHeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);

        for (int i = 0; i < sectionCount; i++)
        {
            var header = span.Slice(checked((int)(sectionHeaders + (long)i * sectionHeaderSize)), sectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionTypeVersionNeed) continue;
            long offset = (long)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..]);
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]);
            int entries = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]); // sh_info = number of Verneed entries
            var stringsHeader = span.Slice(checked((int)(sectionHeaders + (long)link * sectionHeaderSize)), sectionHeaderSize);
            long strings = (long)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[0x18..]);

            long need = offset;
            for (int n = 0; n < entries; n++)
            {
                // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
                int count = BinaryPrimitives.ReadUInt16LittleEndian(span[(int)(need + 2)..]);
                string file = ReadString(span, strings + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 4)..]));
                long aux = need + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 8)..]);
                for (int a = 0; a < count; a++)
                {
                    // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                    string version = ReadString(span, strings + BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 8)..]));
                    visit(file, version, (int)(aux + 4));
                    aux += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(aux + 12)..]);
                }
                need += BinaryPrimitives.ReadUInt32LittleEndian(span[(int)(need + 12)..]);
            }
        }
    }

    private static string ReadString(ReadOnlySpan<byte> image, long offset)
    {
        var rest = image[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.ASCII.GetString(rest[..end]);
    }
}
