#!/usr/bin/env python3
"""make_meeting.py - a synthetic French meeting transcript ("Speaker: text" lines) with facts
planted at the beginning, the middle and the end, for the long-meeting tests of
`llm4all summarize` (docs/summarize.md). Deterministic for a given seed. No dependencies.

    python3 scripts/make_meeting.py --words 1800 > tests/data/meeting_long_fr.txt   # ~3k tokens
    python3 scripts/make_meeting.py --minutes 120 > /tmp/meeting_2h.txt            # benchmark

Planted facts (the tests look for them in the minutes):
  beginning: decision to host the Hirondelle project at "Nuage Vert"
  middle:    training budget fixed at 12 000 euros; Bastien Marchand sends the schedule
             before 15 April
  end:       Chloé Nguyen books the Lyon trade fair stand before 3 June; next meeting 22 May
Filler turns are generic talk that contains none of those names, figures or dates.
A two-hour meeting is about 130 spoken words a minute: --minutes 120 gives ~15 600 words.
"""
import argparse
import random

SPEAKERS = ["Amandine Leroy", "Bastien Marchand", "Chloé Nguyen", "Damien Fournier"]

FILLER = [
    "Je pense qu'il faut d'abord regarder ce que disent les utilisateurs avant de trancher.",
    "On a eu pas mal de retours sur la lenteur de l'outil de réservation des salles.",
    "Pour la communication interne, la lettre mensuelle fonctionne plutôt bien.",
    "Il faudrait qu'on harmonise les modèles de documents entre les équipes.",
    "Le nouveau processus de validation des congés a l'air de bien se passer.",
    "Je n'ai pas d'avis tranché, mais je trouve que c'est un peu tôt pour en parler.",
    "Les équipes du support demandent plus de visibilité sur les mises à jour.",
    "On pourrait essayer une réunion plus courte le lundi matin pour faire le point.",
    "Sur le recrutement, on a reçu une trentaine de candidatures pour le poste de stagiaire.",
    "Le tableau de bord est à jour, vous pouvez le consulter sur l'intranet.",
    "Je rappelle que les notes de frais doivent passer par le nouvel outil.",
    "La migration des postes de travail avance, il reste surtout le service comptable.",
    "Il y a eu une coupure du réseau mardi, mais tout est rentré dans l'ordre.",
    "Je me demande si on ne devrait pas simplifier la page d'accueil du site.",
    "Les retours sur la formation à la sécurité informatique sont bons dans l'ensemble.",
    "Je propose qu'on regarde ça plus en détail en petit comité.",
    "C'est vrai que les délais de livraison des fournitures se sont allongés.",
    "On a commencé à trier les archives du deuxième étage, c'est un gros chantier.",
    "Pour moi l'essentiel, c'est que les clients ne voient pas de différence.",
    "Je vais relire le compte rendu de la dernière fois pour vérifier ce point.",
    "La cafétéria sera fermée deux jours pour des travaux de peinture.",
    "Le prestataire de ménage a changé ses horaires, il passe désormais le soir.",
    "On avait parlé d'un sondage auprès des équipes, il est toujours en préparation.",
    "Il faudra aussi penser à mettre à jour la charte graphique un jour.",
    "Je suis d'accord avec ce qui vient d'être dit, rien à ajouter de mon côté.",
    "Les chiffres de fréquentation du site sont stables par rapport au trimestre dernier.",
    "Attention quand même à ne pas surcharger les équipes en fin de trimestre.",
    "On pourrait mutualiser les commandes de matériel avec l'autre site.",
    "Le service juridique doit encore relire les conditions générales.",
    "Je note qu'il faut reparler de l'accueil des nouveaux arrivants.",
]

BEGIN = [
    ("Amandine Leroy", "Bonjour à tous, merci d'être là. Cette réunion porte sur le lancement du "
     "projet Hirondelle, notre nouvelle plateforme de réservation."),
    ("Damien Fournier", "Pour l'hébergement du projet Hirondelle, j'ai comparé trois offres. "
     "Nuage Vert est la moins chère et ses serveurs sont en France."),
    ("Amandine Leroy", "Très bien. Nous décidons donc d'héberger le projet Hirondelle chez "
     "Nuage Vert. C'est acté."),
]
MIDDLE = [
    ("Amandine Leroy", "Passons au budget de formation des équipes sur la nouvelle plateforme."),
    ("Bastien Marchand", "Je propose douze mille euros, soit 12 000 euros pour l'année."),
    ("Amandine Leroy", "Décision : le budget de formation est fixé à 12 000 euros. Bastien, "
     "peux-tu envoyer le planning des formations ?"),
    ("Bastien Marchand", "Oui, j'enverrai le planning des formations à tout le monde avant le "
     "15 avril."),
]
END = [
    ("Chloé Nguyen", "Dernier point : le salon professionnel de Lyon. Il faut réserver notre "
     "stand rapidement."),
    ("Amandine Leroy", "Chloé, tu t'occupes de réserver le stand du salon de Lyon ?"),
    ("Chloé Nguyen", "Oui, je réserve le stand du salon de Lyon avant le 3 juin."),
    ("Amandine Leroy", "Parfait. La prochaine réunion aura lieu le 22 mai. Merci à tous, bonne "
     "journée."),
]


def filler_turns(rng, n_words):
    turns, words = [], 0
    while words < n_words:
        spk = rng.choice(SPEAKERS)
        k = rng.randint(1, 3)
        text = " ".join(rng.choice(FILLER) for _ in range(k))
        turns.append((spk, text))
        words += len(text.split())
    return turns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=1800, help="total words (approximately)")
    ap.add_argument("--minutes", type=int, default=0, help="meeting length at 130 words/min")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    words = a.minutes * 130 if a.minutes else a.words
    rng = random.Random(a.seed)
    fixed = sum(len(t.split()) for _, t in BEGIN + MIDDLE + END)
    half = max(0, words - fixed) // 2
    turns = BEGIN + filler_turns(rng, half) + MIDDLE + filler_turns(rng, half) + END
    for spk, text in turns:
        print("%s: %s" % (spk, text))


if __name__ == "__main__":
    main()
