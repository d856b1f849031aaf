from crawler.app.cli.main import main

raise SystemExit(main())
