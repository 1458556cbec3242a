"""The installation's accessibility statement (tillgänglighetsredogörelse): the page every
page's footer links to, in Swedish and English, with the parts the Swedish Agency for Digital
Government (Digg) asks for, and its editing by an administrator. Imports nothing from the
other areas but the accounts' access rule and the audit log."""
