ufw:
  services:
    '10': {allow: true}
ports:
  8080: alt
