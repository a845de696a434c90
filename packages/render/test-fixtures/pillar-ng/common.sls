app:
  port: 8000
