"""The demo restaurants' menus: 200 products over three restaurants.

Data only (names, prices, which items are bottled and counted in stock), so
that :mod:`gateway.demo` reads as the story of the load. The first items of
each menu are the ones the original two-restaurant demo had, in the same
order: tests find "the first product of the menu" by id.

A menu item is ``(name, price)``, or ``(name, price, threshold)`` for a
bottled drink whose stock is counted (``type='product'``) with that
low-stock threshold.
"""
from __future__ import annotations

from typing import Union

Item = Union[tuple[str, float], tuple[str, float, float]]

BISTRO: dict[str, list[Item]] = {
    "Starters": [("Soup of the Day", 6.5), ("Caesar Salad", 9.0), ("Bruschetta", 7.0),
                 ("Garlic Bread", 4.5), ("Calamari", 10.5), ("Caprese", 8.5),
                 ("Onion Soup", 7.5), ("Steak Tartare (starter)", 12.0), ("Shrimp Croquettes", 11.5),
                 ("Cheese Croquettes", 10.0), ("Goat Cheese Salad", 10.5), ("Escargots", 12.5)],
    "Mains": [("Steak Frites", 24.0), ("Roast Chicken", 18.5), ("Fish and Chips", 17.0),
              ("Mushroom Risotto", 16.5), ("Lasagne", 15.0), ("Burger Deluxe", 16.0),
              ("Grilled Salmon", 22.0), ("Vegetable Curry", 14.5), ("Beef Stew", 19.5),
              ("Moules Marinieres", 23.0), ("Vol-au-vent", 18.0), ("Duck Breast", 25.5),
              ("Veal Blanquette", 21.0), ("Sea Bass", 24.5), ("Chicken Waterzooi", 19.0),
              ("Steak Tartare", 20.5), ("Pork Ribs", 19.5), ("Spinach Quiche", 14.0),
              ("Lamb Shank", 23.5), ("Vegan Bowl", 15.5)],
    "Desserts": [("Tiramisu", 7.5), ("Creme Brulee", 7.0), ("Chocolate Fondant", 8.0),
                 ("Cheese Plate", 11.0), ("Lemon Tart", 6.5), ("Dame Blanche", 7.5),
                 ("Waffle with Cream", 6.5), ("Apple Crumble", 7.0), ("Sorbet", 6.0),
                 ("Cafe Gourmand", 9.5)],
    "Drinks": [("Espresso", 2.5), ("Cappuccino", 3.5), ("Sparkling Water", 3.0),
               ("Orange Juice", 4.0), ("House Red (glass)", 6.0), ("House White (glass)", 6.0),
               ("Craft Beer", 5.5), ("Lemonade", 3.8), ("Latte Macchiato", 4.0),
               ("Tea", 3.0), ("Hot Chocolate", 3.8), ("Cola (bottle)", 3.5, 24),
               ("Tonic (bottle)", 3.5, 24), ("Still Water (bottle)", 3.0, 36),
               ("Trappist Beer (bottle)", 6.5, 24), ("Kriek (bottle)", 5.5, 12),
               ("Cava (bottle)", 32.0, 6), ("Bordeaux (bottle)", 34.0, 6),
               ("Gin Tonic", 11.0), ("Aperol Spritz", 9.5)],
    "Sides": [("French Fries", 4.0), ("Mashed Potatoes", 4.0), ("Green Salad", 4.5),
              ("Grilled Vegetables", 5.0), ("Bread Basket", 3.0), ("Sauteed Mushrooms", 5.0),
              ("Rice", 3.5), ("Pepper Sauce", 2.5)],
}

SUSHI: dict[str, list[Item]] = {
    "Nigiri": [("Salmon Nigiri", 4.5), ("Tuna Nigiri", 5.0), ("Eel Nigiri", 5.5),
               ("Shrimp Nigiri", 4.0), ("Sea Bream Nigiri", 5.0), ("Scallop Nigiri", 6.0),
               ("Mackerel Nigiri", 4.5), ("Octopus Nigiri", 5.0), ("Tamago Nigiri", 3.5),
               ("Salmon Roe Nigiri", 6.5), ("Yellowtail Nigiri", 6.0), ("Flamed Salmon Nigiri", 5.0)],
    "Rolls": [("California Roll", 9.5), ("Spicy Tuna Roll", 11.0), ("Dragon Roll", 14.0),
              ("Avocado Roll", 7.5), ("Rainbow Roll", 15.0), ("Salmon Avocado Roll", 10.0),
              ("Cucumber Roll", 6.0), ("Tempura Shrimp Roll", 12.5), ("Philadelphia Roll", 11.5),
              ("Spider Roll", 13.5), ("Vegetable Roll", 8.0), ("Eel Cucumber Roll", 12.0),
              ("Spicy Salmon Roll", 11.0), ("Tuna Roll", 8.5), ("Futomaki", 13.0)],
    "Hot Dishes": [("Miso Soup", 3.5), ("Chicken Teriyaki", 16.0), ("Tempura Udon", 14.5),
                   ("Gyoza", 7.0), ("Edamame", 5.0), ("Beef Ramen", 15.5), ("Tonkotsu Ramen", 15.0),
                   ("Chicken Katsu", 15.5), ("Vegetable Tempura", 9.5), ("Takoyaki", 8.0),
                   ("Yakitori", 9.0)],
    "Drinks": [("Green Tea", 3.0), ("Ramune", 4.0, 12), ("Sake (small)", 7.5),
               ("Asahi", 5.5), ("Kirin (bottle)", 5.5, 24), ("Sapporo (bottle)", 5.5, 24),
               ("Plum Wine", 7.0), ("Iced Matcha", 4.5), ("Yuzu Soda (bottle)", 4.5, 12),
               ("Sparkling Water", 3.0)],
    "Sashimi": [("Salmon Sashimi", 12.0), ("Tuna Sashimi", 14.0), ("Yellowtail Sashimi", 15.0),
                ("Mixed Sashimi", 22.0), ("Sea Bream Sashimi", 13.5), ("Octopus Sashimi", 12.5),
                ("Scallop Sashimi", 16.0), ("Chirashi Bowl", 21.0)],
    "Desserts": [("Mochi Ice Cream", 6.5), ("Matcha Cheesecake", 7.0), ("Dorayaki", 5.5),
                 ("Sesame Ice Cream", 5.0)],
}

PORTO: dict[str, list[Item]] = {
    "Pizza": [("Margherita", 10.5), ("Marinara", 9.0), ("Diavola", 13.0), ("Quattro Formaggi", 14.0),
              ("Capricciosa", 14.5), ("Prosciutto e Funghi", 14.0), ("Napoli", 12.5),
              ("Calzone", 14.5), ("Vegetariana", 13.0), ("Tonno e Cipolla", 13.5),
              ("Bufalina", 15.0), ("Salsiccia e Friarielli", 15.5), ("Parma e Rucola", 16.0),
              ("Quattro Stagioni", 14.5), ("Hawaiian", 13.0), ("Tartufo", 18.0),
              ("Frutti di Mare", 17.0), ("Carbonara Pizza", 14.5), ("Pizza Bianca", 11.5),
              ("Kids Pizza", 8.0)],
    "Pasta": [("Spaghetti Carbonara", 14.0), ("Penne Arrabbiata", 12.0),
              ("Tagliatelle Bolognese", 14.5), ("Linguine Vongole", 17.5),
              ("Spaghetti Aglio e Olio", 11.0), ("Gnocchi Sorrentina", 13.5),
              ("Ravioli Ricotta e Spinaci", 15.0), ("Lasagne al Forno", 15.5),
              ("Tortellini Panna", 14.0), ("Pappardelle al Ragu", 16.0),
              ("Cacio e Pepe", 13.0), ("Pasta al Pesto", 12.5)],
    "Antipasti": [("Bruschetta al Pomodoro", 7.5), ("Burrata", 12.0), ("Carpaccio", 13.5),
                  ("Vitello Tonnato", 13.0), ("Arancini", 8.5), ("Antipasto Misto", 16.0),
                  ("Focaccia", 5.5), ("Olive Miste", 4.5), ("Calamari Fritti", 11.0),
                  ("Minestrone", 7.0)],
    "Salads": [("Insalata Caprese", 11.0), ("Insalata Mista", 7.0), ("Rucola e Parmigiano", 9.0),
               ("Caesar Salad", 12.0), ("Panzanella", 10.0), ("Insalata di Mare", 15.0)],
    "Desserts": [("Tiramisu", 7.5), ("Panna Cotta", 6.5), ("Cannoli", 6.0), ("Affogato", 6.0),
                 ("Gelato (3 scoops)", 6.5), ("Torta della Nonna", 7.0),
                 ("Profiteroles", 7.5), ("Semifreddo", 7.0)],
    "Drinks": [("Espresso", 2.4), ("Cappuccino", 3.4), ("San Pellegrino (bottle)", 3.5, 24),
               ("Acqua Panna (bottle)", 3.5, 24), ("Peroni (bottle)", 4.5, 24),
               ("Moretti (bottle)", 4.5, 24), ("Chianti (glass)", 6.5), ("Pinot Grigio (glass)", 6.5),
               ("Prosecco (glass)", 7.5), ("Limoncello", 5.0), ("Aranciata (bottle)", 3.5, 12),
               ("Chinotto (bottle)", 3.5, 12), ("Negroni", 10.5), ("Aperol Spritz", 9.0)],
}

MENUS: dict[str, dict[str, list[Item]]] = {"bistro": BISTRO, "sushi": SUSHI, "porto": PORTO}

FIRST_NAMES = ("Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Greta", "Hugo", "Ines", "Jonas",
               "Lotte", "Milan", "Nora", "Omar", "Pieter", "Sanne")
LAST_NAMES = ("Peeters", "Janssens", "Maes", "Jacobs", "Willems", "Claes", "de Vries", "Bakker")
