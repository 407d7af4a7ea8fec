from ocpispec.launch import main

main()
