from instructor_map.cli import main

raise SystemExit(main())
