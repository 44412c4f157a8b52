"""``python -m clinic_app`` runs the same command as the ``clinic-app`` script."""

import sys

from clinic_app.cli.main import main

sys.exit(main())
