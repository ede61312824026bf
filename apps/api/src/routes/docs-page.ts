/** What the /docs page needs to know, embedded in it as JSON. */
export interface DocsPageOptions {
  readonly title: string
  readonly specUrl: string
  readonly bundleUrl: string
  readonly cssUrl: string
  /** The API identifier (Auth0's `audience`) added to client_credentials token requests; undefined: none. */
  readonly audience: string | undefined
}

/**
 * Swagger UI's request interceptor: adds `audience` to the body of its client_credentials token request. Auth0
 * issues no token without it (the local issuer neither), and Swagger UI has no setting for it: its
 * `additionalQueryStringParams` go into the token URL's query, which token endpoints do not read. Every other
 * request (the API calls of "Execute") passes untouched. Runs in the browser: its source is embedded in the page.
 */
export function addAudience(request: { body?: unknown }, audience: string | undefined): { body?: unknown } {
  if (audience === undefined || typeof request.body !== 'string') return request
  const form = new URLSearchParams(request.body)
  if (form.get('grant_type') !== 'client_credentials' || form.has('audience') || form.has('resource')) return request
  request.body = `${request.body}&audience=${encodeURIComponent(audience)}`
  return request
}

/** JSON safe inside an HTML `<script>` element (no `</script>`, no `<!--`). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c')

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** The /docs page: Swagger UI from this server's own assets (works offline), set up to log in by itself. */
export function renderDocsPage(options: DocsPageOptions): string {
  const config = { url: options.specUrl, audience: options.audience ?? null }
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <meta name="viewport" content="width=device-width, initial-scale=1" />
  <title>${escapeHtml(options.title)}</title>
  <link rel="stylesheet" href="${escapeHtml(options.cssUrl)}" />
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${escapeHtml(options.bundleUrl)}"></script>
  <script>
    const config = ${scriptJson(config)};
    const addAudience = ${addAudience.toString()};
    window.ui = SwaggerUIBundle({
      url: config.url,
      dom_id: '#swagger-ui',
      requestInterceptor: (request) => addAudience(request, config.audience ?? undefined),
    });
  </script>
</body>
</html>
`
}
