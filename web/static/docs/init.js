// Swagger UI for /docs, from local files only (no CDN: works offline, and the CSP allows
// only this server's own scripts, so the page's set-up cannot be an inline script).
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
