from crawler.app.cli.main import main

main()
