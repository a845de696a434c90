base:
  '*':
    - common
  'G@roles:web':
    - match: compound
    - roles.web
  'db*':
    - roles.db
