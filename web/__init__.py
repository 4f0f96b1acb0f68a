"""The Flask side of the app: sign-in, access checks on every request, security headers,
the JSON/CSV API and the health check. Dash pages and callbacks sit behind it."""
