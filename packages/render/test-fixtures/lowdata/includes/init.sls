include:
  - includes.app
  - .lib.common

top_state:
  test.nop: []
