// The /docs page: Swagger UI on this proxy's own OpenAPI document, with "try it" aimed at this proxy.
(async () => {
  const spec = await (await fetch('/openapi.json')).json();
  // The document lists the default local address; the reference page talks to the proxy serving it.
  spec.servers = [{ url: window.location.origin, description: 'This proxy' }];
  window.ui = SwaggerUIBundle({
    spec,
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
    validatorUrl: null, // no call to an online validator: this page makes no request beyond this origin
    defaultModelsExpandDepth: 0,
  });
})();
