/**
 * A self-signed certificate for the fake identity provider on 127.0.0.1 / ::1 / localhost, valid until 2126.
 * For tests and demos only: MSAL refuses an authority that is not https, so the fake must speak TLS. Trust it
 * per process (`NODE_EXTRA_CA_CERTS`, or `tlsOptions: { ca }` of an @azure/identity credential), never system-wide.
 */
export const IDENTITY_TLS = {
  cert: `-----BEGIN CERTIFICATE-----
MIIB8DCCAZagAwIBAgIUWkpYNw4E1nlZ9w7r46Nu+SxooKcwCgYIKoZIzj0EAwIw
NTEzMDEGA1UEAwwqYmF0Y2h3YXRjaCBzaW11bGF0b3IgaWRlbnRpdHkgKHRlc3Rz
IG9ubHkpMCAXDTI2MTIwMjAyNTQ1M1oYDzIxMjYxMTA4MDI1NDUzWjA1MTMwMQYD
VQQDDCpiYXRjaHdhdGNoIHNpbXVsYXRvciBpZGVudGl0eSAodGVzdHMgb25seSkw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAReMa4F5Qoo4Mn7i+l7debhm/A6iYFM
Bh4TQPdc4bcpc/tnfJ9s/3hndh+g6RuhAvKkh2EJ2olTnA8/YPGOKJLWo4GBMH8w
HQYDVR0OBBYEFFUcbJofOVynpb04lcV55lFfZhoVMB8GA1UdIwQYMBaAFFUcbJof
OVynpb04lcV55lFfZhoVMA8GA1UdEwEB/wQFMAMBAf8wLAYDVR0RBCUwI4cEfwAA
AYcQAAAAAAAAAAAAAAAAAAAAAYIJbG9jYWxob3N0MAoGCCqGSM49BAMCA0gAMEUC
IQDfv8NuIgy26bPYa+iwqtr7Z1scNHAuGVtI/fvb/aQz8gIgMKDygkk59+bYAeVE
PMyV5NO5FAgFiw7PU43I/Nrjan0=
-----END CERTIFICATE-----
`,
  key: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg81xLbpmuOcL6ZxH+
ley8W0nsWTBPvvw+hXE8Z8fHCKWhRANCAAReMa4F5Qoo4Mn7i+l7debhm/A6iYFM
Bh4TQPdc4bcpc/tnfJ9s/3hndh+g6RuhAvKkh2EJ2olTnA8/YPGOKJLW
-----END PRIVATE KEY-----
`,
} as const;
