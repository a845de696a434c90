base:
  '*':
    - demo.common
  'roles:web':
    - match: grain
    - demo.web
