using System.Runtime.InteropServices;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Reads and writes a <see cref="WeightMatrix"/> in model.safetensors in the layouts <see cref="StoredMatrixLayout"/>
/// describes (float tensors, or Q8_0 / Q4 codes with F16 group scales).
/// </summary>
public static class WeightTensors
{
    /// <summary>Reads matrix <paramref name="name"/> from weights already checked against config.json, in the format its dtype says.</summary>
    public static WeightMatrix Read(ModelWeights weights, string name)
    {
        var (rows, columns) = weights.Table[name].MatrixShape;
        var info = weights.Info(name);
        var reader = weights.Reader;
        return info.DType switch
        {
            SafetensorsDType.BF16 => new Bf16Matrix(MemoryMarshal.Cast<byte, ushort>(reader.GetBytes(info.Name)).ToArray(), rows, columns),
            SafetensorsDType.I8 => new Q8Matrix(MemoryMarshal.Cast<byte, sbyte>(reader.GetBytes(info.Name)).ToArray(), Scales(reader, info.Name), rows, columns),
            SafetensorsDType.U8 => new Q4Matrix(reader.GetBytes(info.Name).ToArray(), Scales(reader, info.Name), rows, columns),
            _ => new F32Matrix(reader.ReadFloat32(info.Name), rows, columns),
        };
    }

    private static float[] Scales(SafetensorsReader reader, string name) => reader.ReadFloat32(StoredMatrixLayout.ScaleName(name));

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
        return new SafetensorsTensor(StoredMatrixLayout.ScaleName(name), SafetensorsDType.F16, StoredMatrixLayout.ScaleShape(matrix.Rows, matrix.Columns),
            MemoryMarshal.AsBytes(halves.AsSpan()).ToArray());
    }
}
