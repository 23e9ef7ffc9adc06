"""Painting the map with QtCore and QtGui alone (no widgets, no pyqtgraph): colours, symbols and cluster regions
shared by the app's canvas and the PNG/SVG export, and the export itself (render.py)."""
