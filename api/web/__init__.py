"""The web interface (`/ui`): server-rendered pages over the same services and rules as the HTTP API."""
