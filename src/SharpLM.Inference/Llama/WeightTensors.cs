using System.Runtime.InteropServices;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// How a <see cref="WeightMatrix"/> is stored in model.safetensors (see docs/formats.md). Float formats are plain
/// tensors (F32, F16 read as float32; BF16 kept as bfloat16). Quantized ones are a code tensor under the weight's
/// own name plus a "&lt;name&gt;_scale" F16 tensor [rows, columns / 32]: Q8_0 as I8 [rows, columns], Q4 as U8
/// [rows, columns / 2] (two codes per byte). The dtype and shape alone tell the format, so a file may mix them.
/// </summary>
public static class WeightTensors
{
    public const string ScaleSuffix = "_scale";

    /// <summary>Reads tensor <paramref name="name"/>, checking its shape against the [rows, columns] config.json implies.</summary>
    public static WeightMatrix Read(SafetensorsReader reader, string name, int rows, int columns)
    {
        var info = reader.GetInfo(name);
        string where = $"{reader.Path}: tensor '{name}'";
        void RequireShape(long[] expected, string what)
        {
            if (!info.Shape.SequenceEqual(expected))
                throw new SharpLMException($"{where} has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", expected)}] ({what}).");
        }
        switch (info.DType)
        {
            case SafetensorsDType.F32 or SafetensorsDType.F16:
                RequireShape([rows, columns], "float weights");
                return new F32Matrix(reader.ReadFloat32(name), rows, columns);
            case SafetensorsDType.BF16:
                RequireShape([rows, columns], "bfloat16 weights");
                return new Bf16Matrix(MemoryMarshal.Cast<byte, ushort>(reader.GetBytes(name)).ToArray(), rows, columns);
            case SafetensorsDType.I8:
                RequireShape([rows, columns], "Q8_0 codes");
                return new Q8Matrix(MemoryMarshal.Cast<byte, sbyte>(reader.GetBytes(name)).ToArray(), ReadScales(reader, name, rows, columns), rows, columns);
            case SafetensorsDType.U8:
                RequireShape([rows, columns / 2], "Q4 codes, two per byte");
                return new Q4Matrix(reader.GetBytes(name).ToArray(), ReadScales(reader, name, rows, columns), rows, columns);
            default:
                throw new SharpLMException($"{where} has dtype {info.DType.ToHeaderName()}; weights must be F32, F16, BF16, I8 (Q8_0) or U8 (Q4).");
        }
    }

    private static float[] ReadScales(SafetensorsReader reader, string name, int rows, int columns)
    {
        string scaleName = name + ScaleSuffix;
        if (!reader.Contains(scaleName))
            throw new SharpLMException($"{reader.Path}: quantized tensor '{name}' has no '{scaleName}' tensor of group scales.");
        if (columns % WeightMatrix.GroupSize != 0)
            throw new SharpLMException($"{reader.Path}: tensor '{name}' is quantized but its {columns} columns are not a multiple of {WeightMatrix.GroupSize}.");
        var info = reader.GetInfo(scaleName);
        long[] expected = [rows, columns / WeightMatrix.GroupSize];
        if (info.DType != SafetensorsDType.F16 || !info.Shape.SequenceEqual(expected))
            throw new SharpLMException($"{reader.Path}: tensor '{scaleName}' must be F16 [{string.Join(", ", expected)}] (got {info.DType.ToHeaderName()} [{string.Join(", ", info.Shape)}]).");
        return reader.ReadFloat32(scaleName);
    }

    /// <summary>The tensors that store <paramref name="matrix"/> under <paramref name="name"/> (one, or codes plus scales).</summary>
    public static IEnumerable<SafetensorsTensor> Write(string name, WeightMatrix matrix)
    {
        long[] shape = [matrix.Rows, matrix.Columns];
        switch (matrix)
        {
            case F32Matrix f:
                yield return new SafetensorsTensor(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes(f.Values.AsSpan(0, matrix.Rows * matrix.Columns)).ToArray());
                break;
            case Bf16Matrix b:
                yield return new SafetensorsTensor(name, SafetensorsDType.BF16, shape, MemoryMarshal.AsBytes(b.Values.AsSpan()).ToArray());
                break;
            case Q8Matrix q:
                yield return new SafetensorsTensor(name, SafetensorsDType.I8, shape, MemoryMarshal.AsBytes(q.Codes.AsSpan()).ToArray());
                yield return Scales(name, q.Scales, matrix);
                break;
            case Q4Matrix q:
                yield return new SafetensorsTensor(name, SafetensorsDType.U8, [matrix.Rows, matrix.Columns / 2], q.Packed);
                yield return Scales(name, q.Scales, matrix);
                break;
            default:
                throw new ArgumentException($"No file layout for {matrix.GetType().Name}.");
        }
    }

    /// <summary>Scales as F16: they were rounded to half precision when quantizing, so this loses nothing.</summary>
    private static SafetensorsTensor Scales(string name, float[] scales, WeightMatrix matrix)
    {
        var halves = new Half[scales.Length];
        for (int i = 0; i < scales.Length; i++) halves[i] = (Half)scales[i];
        return new SafetensorsTensor(name + ScaleSuffix, SafetensorsDType.F16, [matrix.Rows, matrix.Columns / WeightMatrix.GroupSize],
            MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
    }
}
