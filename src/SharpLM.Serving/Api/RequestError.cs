using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SharpLM.Serving.Api;

/// <summary>A request the server refuses, answered with OpenAI's error shape: {"error":{"message","type","param","code"}}.</summary>
public sealed class RequestError(int status, string message, string? param = null, string type = "invalid_request_error", string? code = null)
    : Exception(message)
{
    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string Type { get; } = type;
    public string? Code { get; } = code;

    public static RequestError Invalid(string param, string message) => new(400, message, param);

    public async Task WriteAsync(HttpContext context)
    {
        context.Response.StatusCode = Status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(Json(Message, Type, Param, Code));
    }

    public static string Json(string message, string type, string? param = null, string? code = null)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            if (param is null) writer.WriteNull("param"); else writer.WriteString("param", param);
            if (code is null) writer.WriteNull("code"); else writer.WriteString("code", code);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
