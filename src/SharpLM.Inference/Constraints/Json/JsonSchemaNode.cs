namespace SharpLM.Inference.Constraints.Json;

/// <summary>The JSON types a schema can allow, as flags so a "type" list is one value.</summary>
[Flags]
public enum JsonKinds
{
    None = 0,
    Object = 1,
    Array = 2,
    String = 4,
    Number = 8,
    Integer = 16,
    Boolean = 32,
    Null = 64,
}

/// <summary>One property of an object schema: its name, its name as JSON text (quoted, escaped) in code points, and its schema.</summary>
public sealed record JsonProperty(string Name, int[] KeyText, JsonSchemaNode Schema);

/// <summary>
/// A schema reduced to what generation needs. When <see cref="Alternatives"/> is set (anyOf / oneOf) the value
/// matches one of those schemas; when <see cref="Literals"/> is set (enum or const) the value is one of those
/// JSON texts and nothing else; otherwise <see cref="Kinds"/> says which types may appear.
/// </summary>
public sealed record JsonSchemaNode
{
    /// <summary>Where the schema sits in its file, as a JSON path ($.properties.name...), for messages.</summary>
    public required string Path { get; init; }
    public JsonKinds Kinds { get; init; }
    /// <summary>The schemas of anyOf / oneOf (for oneOf, checked to be disjoint), or null.</summary>
    public IReadOnlyList<JsonSchemaNode>? Alternatives { get; init; }
    /// <summary>Allowed values as compact JSON texts in code points (enum / const), or null.</summary>
    public IReadOnlyList<int[]>? Literals { get; init; }
    public IReadOnlyList<JsonProperty> Properties { get; init; } = [];
    /// <summary>Bit i set when property i is required.</summary>
    public ulong Required { get; init; }
    public JsonSchemaNode? Items { get; init; }
    public int MinItems { get; init; }
    public int? MaxItems { get; init; }
    public int MinLength { get; init; }
    public int? MaxLength { get; init; }
}
