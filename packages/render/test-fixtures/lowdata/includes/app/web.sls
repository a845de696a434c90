include:
  - includes.lib.common

app_web:
  service.running:
    - order: 50
