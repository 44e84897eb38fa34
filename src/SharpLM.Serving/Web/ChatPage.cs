using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;

namespace SharpLM.Serving.Web;

/// <summary>
/// The chat and annotation page at "/": plain HTML, CSS and JavaScript embedded in this assembly (no build step),
/// served by ASP.NET Core's static-file middleware. The page holds no secret (it asks for the API key and sends it
/// as a Bearer token), so it is served without one; every API route still needs a key.
/// </summary>
public static class ChatPage
{
    private const string ResourceRoot = "SharpLM.Serving.Web.wwwroot";

    // Scripts and styles only from the server itself, nothing inline, no frames: a rendered answer that slipped
    // past the page's escaping still could not run script or send data elsewhere.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Serve(WebApplication app)
    {
        var files = new EmbeddedFileProvider(typeof(ChatPage).Assembly, ResourceRoot);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Embedded files change only with the server, and a stale script after an upgrade would speak an old contract.
                headers.CacheControl = "no-cache";
            },
        });
    }
}
