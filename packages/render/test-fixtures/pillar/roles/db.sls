include:
  - roles.missing
