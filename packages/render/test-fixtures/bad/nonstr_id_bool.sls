yes:
  test.nop: []
