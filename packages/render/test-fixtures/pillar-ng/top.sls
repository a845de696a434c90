base:
  '*':
    - common
  webgroup:
    - match: nodegroup
    - web
