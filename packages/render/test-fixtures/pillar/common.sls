ntp:
  servers: [a.pool, b.pool]
app:
  port: 8000
  name: {{ grains['id'] }}
