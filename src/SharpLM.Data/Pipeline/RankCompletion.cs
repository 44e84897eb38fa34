using System.Text.Json.Serialization;

namespace SharpLM.Data.Pipeline;

/// <summary>completions/NNNNN of a sharded run (and shard.json in a rank folder): which rank of how many finished.</summary>
public sealed class RankCompletion
{
    [JsonPropertyName("rank")] public int Rank { get; set; }
    [JsonPropertyName("world_size")] public int WorldSize { get; set; }
    [JsonPropertyName("units_of_work")] public int Units { get; set; }
    [JsonPropertyName("documents_in")] public long DocumentsIn { get; set; }
}
