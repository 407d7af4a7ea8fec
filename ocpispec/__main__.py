from ocpispec.cli import main

main()
