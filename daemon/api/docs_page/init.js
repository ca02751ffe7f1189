// The weft API page: Swagger UI on weftd's own OpenAPI document. A token
// goes in with "Authorize" (bearer); "Try it out" then calls this weftd.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#api",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
