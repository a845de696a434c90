include:
  - .vrrp
app:
  port: 8080
  workers: 4
vrrp:
  priority: 100
