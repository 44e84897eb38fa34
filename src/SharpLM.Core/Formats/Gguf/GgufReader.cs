using System.Text;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// Reads and validates a GGUF file's header (see <see cref="GgufWriter"/> for the layout). Every length is
/// checked against the bytes left before anything is allocated, and every tensor's range against the file,
/// so a truncated or corrupt file fails with a <see cref="SharpLMException"/> naming the file, the byte offset
/// and the metadata key or tensor being read.
/// </summary>
public static class GgufReader
{
    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new SharpLMException($"{path}: GGUF file not found.");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new Parser(path, stream).Parse();
    }

    private sealed class Parser(string path, Stream stream)
    {
        private readonly BinaryReader _reader = new(stream, Encoding.UTF8, leaveOpen: true);
        private readonly long _length = stream.Length;
        private string _context = "the header";

        private long Position => stream.Position;
        private long Remaining => _length - stream.Position;

        public GgufFile Parse()
        {
            Need(4, "the magic");
            byte[] magic = _reader.ReadBytes(4);
            if (!magic.AsSpan().SequenceEqual("GGUF"u8))
                throw Corrupt(0, $"the file starts with {Convert.ToHexString(magic)}, not the magic 'GGUF' (47475546)");
            uint version = ReadUInt32("the version");
            if (version is not (2 or 3))
                throw Corrupt(4, $"version {version} is not supported (2 and 3 have this layout)");
            ulong tensorCount = ReadUInt64("the tensor count");
            ulong metadataCount = ReadUInt64("the metadata count");
            // Every metadata entry takes at least 12 bytes and every tensor info at least 24: larger counts
            // cannot fit, and rejecting them here keeps a corrupt count from allocating gigabytes.
            if (metadataCount > (ulong)Remaining / 12) throw Corrupt(16, $"metadata count {metadataCount} cannot fit in the {Remaining} bytes left");
            if (tensorCount > (ulong)Remaining / 24) throw Corrupt(8, $"tensor count {tensorCount} cannot fit in the {Remaining} bytes left");

            var metadata = new List<KeyValuePair<string, GgufValue>>((int)metadataCount);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < metadataCount; i++)
            {
                long start = Position;
                _context = $"metadata entry {i}";
                string key = ReadString("its key");
                _context = $"metadata key '{key}'";
                if (!keys.Add(key)) throw Corrupt(start, "the key appears twice");
                uint type = ReadUInt32("its value type");
                metadata.Add(new(key, ReadValue(type, Position - 4)));
            }

            uint alignment = GgufWriter.DefaultAlignment;
            var alignmentEntry = metadata.FirstOrDefault(e => e.Key == GgufWriter.AlignmentKey);
            if (alignmentEntry.Value is { } alignmentValue)
            {
                if (alignmentValue.Type != GgufValueType.UInt32 || alignmentValue.As<uint>() == 0 || alignmentValue.As<uint>() % 8 != 0)
                    throw Corrupt(null, $"{GgufWriter.AlignmentKey} is {alignmentValue.Describe()} {alignmentValue}, expected a UINT32 multiple of 8");
                alignment = alignmentValue.As<uint>();
            }

            var tensors = new List<(string Name, long[] Dimensions, GgufTensorType Type, long Offset, long At)>((int)tensorCount);
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (ulong i = 0; i < tensorCount; i++)
            {
                long start = Position;
                _context = $"tensor info {i}";
                string name = ReadString("its name");
                _context = $"tensor '{name}'";
                if (!names.Add(name)) throw Corrupt(start, "the name appears twice");
                if (Encoding.UTF8.GetByteCount(name) > GgufWriter.MaxTensorNameBytes)
                    throw Corrupt(start, $"the name is longer than ggml's {GgufWriter.MaxTensorNameBytes} bytes");
                uint dimensionCount = ReadUInt32("its dimension count");
                if (dimensionCount is < 1 or > GgufWriter.MaxDimensions)
                    throw Corrupt(Position - 4, $"{dimensionCount} dimensions; GGUF allows 1 to {GgufWriter.MaxDimensions}");
                var dimensions = new long[dimensionCount];
                for (int d = 0; d < dimensions.Length; d++)
                {
                    ulong dimension = ReadUInt64($"dimension {d}");
                    if (dimension == 0 || dimension > long.MaxValue / 2) throw Corrupt(Position - 8, $"dimension {d} is {dimension}");
                    dimensions[d] = (long)dimension;
                }
                uint type = ReadUInt32("its type");
                if (!GgufTensorTypes.IsKnown(type))
                    throw Corrupt(Position - 4, $"ggml type {type} is not one SharpLM reads (F32=0, F16=1, Q8_0=8, BF16=30)");
                var tensorType = (GgufTensorType)type;
                if (dimensions[0] % tensorType.BlockSize() != 0)
                    throw Corrupt(Position - 4, $"rows of {dimensions[0]} values cannot be stored as {tensorType} (blocks of {tensorType.BlockSize()})");
                ulong offset = ReadUInt64("its data offset");
                if (offset % alignment != 0) throw Corrupt(Position - 8, $"data offset {offset} is not a multiple of the alignment {alignment}");
                if (offset > (ulong)_length) throw Corrupt(Position - 8, $"data offset {offset} lies beyond the end of the file ({_length} bytes)");
                tensors.Add((name, dimensions, tensorType, (long)offset, start));
            }

            long dataStart = Position + GgufWriter.Padding(Position, alignment);
            var infos = new List<GgufTensorInfo>(tensors.Count);
            foreach (var (name, dimensions, type, offset, at) in tensors)
            {
                var info = new GgufTensorInfo(name, dimensions, type, offset, dataStart + offset);
                long elements = dimensions.Aggregate(1L, (a, b) => a > long.MaxValue / b ? long.MaxValue : a * b);
                if (elements == long.MaxValue || info.FileOffset + info.ByteLength > _length)
                    throw new SharpLMException($"{path}: not a valid GGUF file: tensor '{name}' (described at byte {at}) needs bytes {info.FileOffset}..{info.FileOffset + info.ByteLength} but the file has {_length} (truncated?).");
                infos.Add(info);
            }
            GgufTensorInfo? previous = null;
            foreach (var info in infos.OrderBy(t => t.Offset))
            {
                if (previous is not null && info.Offset < previous.Offset + previous.ByteLength)
                    throw new SharpLMException($"{path}: not a valid GGUF file: tensor '{info.Name}' at data offset {info.Offset} overlaps tensor '{previous.Name}'.");
                previous = info;
            }
            return new GgufFile
            {
                Path = path, Version = version, Alignment = alignment, Metadata = metadata,
                Tensors = infos, DataStart = dataStart, FileLength = _length,
            };
        }

        private GgufValue ReadValue(uint type, long typeAt)
        {
            if (type > (uint)GgufValueType.Float64) throw Corrupt(typeAt, $"value type {type} is unknown (0..12)");
            var valueType = (GgufValueType)type;
            if (valueType != GgufValueType.Array) return Scalar(valueType, ReadScalar(valueType, "its value"));

            uint elementType = ReadUInt32("the array element type");
            if (elementType > (uint)GgufValueType.Float64 || elementType == (uint)GgufValueType.Array)
                throw Corrupt(Position - 4, $"array element type {elementType} is not supported (nested arrays included)");
            var element = (GgufValueType)elementType;
            ulong count = ReadUInt64("the array length");
            int minimumSize = element == GgufValueType.String ? 8 : ScalarSize(element);
            if (count > (ulong)Remaining / (ulong)minimumSize)
                throw Corrupt(Position - 8, $"an array of {count} {GgufValue.Name(element)} values cannot fit in the {Remaining} bytes left (truncated?)");
            if (count > int.MaxValue) throw Corrupt(Position - 8, $"an array of {count} values is more than one array can hold");
            var array = Array.CreateInstance(ClrType(element), (int)count);
            for (int i = 0; i < (int)count; i++) array.SetValue(ReadScalar(element, $"array element {i}"), i);
            return GgufValue.Array(array);
        }

        private object ReadScalar(GgufValueType type, string what)
        {
            if (type == GgufValueType.String) return ReadString(what);
            Need(ScalarSize(type), what);
            return type switch
            {
                GgufValueType.UInt8 => _reader.ReadByte(),
                GgufValueType.Int8 => _reader.ReadSByte(),
                GgufValueType.UInt16 => _reader.ReadUInt16(),
                GgufValueType.Int16 => _reader.ReadInt16(),
                GgufValueType.UInt32 => _reader.ReadUInt32(),
                GgufValueType.Int32 => _reader.ReadInt32(),
                GgufValueType.Float32 => _reader.ReadSingle(),
                GgufValueType.Bool => ReadBool(),
                GgufValueType.UInt64 => _reader.ReadUInt64(),
                GgufValueType.Int64 => _reader.ReadInt64(),
                GgufValueType.Float64 => _reader.ReadDouble(),
                _ => throw new InvalidOperationException(),
            };
        }

        private bool ReadBool()
        {
            byte value = _reader.ReadByte();
            return value <= 1 ? value == 1 : throw Corrupt(Position - 1, $"a BOOL holds {value}, expected 0 or 1");
        }

        private static GgufValue Scalar(GgufValueType type, object value) => type switch
        {
            GgufValueType.UInt8 => GgufValue.UInt8((byte)value),
            GgufValueType.Int8 => GgufValue.Int8((sbyte)value),
            GgufValueType.UInt16 => GgufValue.UInt16((ushort)value),
            GgufValueType.Int16 => GgufValue.Int16((short)value),
            GgufValueType.UInt32 => GgufValue.UInt32((uint)value),
            GgufValueType.Int32 => GgufValue.Int32((int)value),
            GgufValueType.Float32 => GgufValue.Float32((float)value),
            GgufValueType.Bool => GgufValue.Bool((bool)value),
            GgufValueType.String => GgufValue.String((string)value),
            GgufValueType.UInt64 => GgufValue.UInt64((ulong)value),
            GgufValueType.Int64 => GgufValue.Int64((long)value),
            _ => GgufValue.Float64((double)value),
        };

        private static int ScalarSize(GgufValueType type) => type switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            _ => 8,
        };

        private static Type ClrType(GgufValueType type) => type switch
        {
            GgufValueType.UInt8 => typeof(byte), GgufValueType.Int8 => typeof(sbyte),
            GgufValueType.UInt16 => typeof(ushort), GgufValueType.Int16 => typeof(short),
            GgufValueType.UInt32 => typeof(uint), GgufValueType.Int32 => typeof(int),
            GgufValueType.Float32 => typeof(float), GgufValueType.Bool => typeof(bool),
            GgufValueType.String => typeof(string), GgufValueType.UInt64 => typeof(ulong),
            GgufValueType.Int64 => typeof(long), _ => typeof(double),
        };

        private string ReadString(string what)
        {
            ulong length = ReadUInt64($"the length of {what}");
            if (length > (ulong)Remaining)
                throw Corrupt(Position - 8, $"{what} claims {length} bytes but only {Remaining} are left (truncated?)");
            if (length > int.MaxValue) throw Corrupt(Position - 8, $"{what} claims {length} bytes, more than a string can hold");
            long start = Position;
            byte[] bytes = _reader.ReadBytes((int)length);
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw Corrupt(start, $"{what} is not valid UTF-8");
            }
        }

        private uint ReadUInt32(string what)
        {
            Need(4, what);
            return _reader.ReadUInt32();
        }

        private ulong ReadUInt64(string what)
        {
            Need(8, what);
            return _reader.ReadUInt64();
        }

        private void Need(long bytes, string what)
        {
            if (Remaining < bytes)
                throw Corrupt(Position, $"the file ends before {what} ({bytes} bytes needed, {Remaining} left; truncated?)");
        }

        private SharpLMException Corrupt(long? at, string problem) =>
            new($"{path}: not a valid GGUF file: {(at is null ? "" : $"at byte {at}, ")}{_context}: {problem}.");
    }
}
