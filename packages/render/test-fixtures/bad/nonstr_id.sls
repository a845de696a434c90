'443':
  test.nop: []

8080:
  test.nop: []
