# ufw-formula's shape: service keys, integer-like ones after others
ufw:
  services:
    http: {protocol: tcp}
    '*': {deny: true}
    '22': {limit: true}
    '80': {allow: true}
ports:
  80: web
  443: tls
