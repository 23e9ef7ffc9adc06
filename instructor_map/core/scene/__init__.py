"""The 2D map as a Qt-free scene: what is drawn where, in pixels, for one canvas size and zoom."""
from instructor_map.core.scene.build import SceneInput, build_scene
from instructor_map.core.scene.model import Box, Scene, Text
from instructor_map.core.scene.text import EstimatedMeasure, Measure
from instructor_map.core.scene.view import View, fit_view

__all__ = ["Box", "EstimatedMeasure", "Measure", "Scene", "SceneInput", "Text", "View", "build_scene", "fit_view"]
