"""First start on an empty database: explore a demo clinic, or set up a real one."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from clinic_app.domain.codes import Role


class FirstRunDialog(QDialog):
    """Accepted with ``wants_demo`` True, or False with a first user's name and role."""

    def __init__(self, demo_patients: int, database: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to the B12 injection clinic")
        self.wants_demo = False

        intro = QLabel(
            f"This clinic's database is new and empty:<br><tt>{database}</tt><br><br>"
            "Explore a demo clinic first, or set up your own."
        )
        intro.setWordWrap(True)

        self.demo_button = QPushButton(
            f"Explore a demo clinic ({demo_patients:,} made-up patients)"
        )
        self.demo_button.setObjectName("demoButton")
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self._choose_demo)

        setup = QGroupBox("Set up my clinic")
        form = QFormLayout(setup)
        self.name = QLineEdit()
        self.name.setObjectName("firstUserName")
        self.name.setPlaceholderText("e.g. Sam Patel")
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(role.label, role)
        self.role.setCurrentIndex(list(Role).index(Role.MANAGER))
        self.setup_button = QPushButton("Start with an empty clinic")
        self.setup_button.setObjectName("setupButton")
        self.setup_button.setEnabled(False)
        self.name.textChanged.connect(lambda text: self.setup_button.setEnabled(bool(text.strip())))
        self.setup_button.clicked.connect(self.accept)
        form.addRow("Your name", self.name)
        form.addRow("Your role", self.role)
        form.addRow("", self.setup_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.demo_button)
        layout.addWidget(setup)
        self.resize(460, 300)

    def first_user(self) -> tuple[str, Role]:
        return self.name.text().strip(), Role(self.role.currentData())

    def _choose_demo(self) -> None:
        self.wants_demo = True
        self.accept()
